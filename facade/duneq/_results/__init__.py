"""Reading a result: the Result handles and the Execution handles that open them, the page reader's
fan-out and prefetch drivers, typed (Arrow) reads, rows, and polars/pandas frames."""
