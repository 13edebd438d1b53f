"""The Dune type table: column type names parsed into a type tree, and from it each value's exact
Python value, its Arrow type and converter, and exact row dicts from raw JSON rows."""
