"""The fence to the generated client: requests built by generated builders, response bodies read
through generated models into the facade's typed records, with one rule for reading scalars."""
