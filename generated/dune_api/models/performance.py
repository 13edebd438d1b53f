from enum import StrEnum


class Performance(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"

    def __str__(self) -> str:
        return str(self.value)
