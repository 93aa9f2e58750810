"""Errors a service raises for the user to read: the message is Chinese and complete."""


class ServiceError(Exception):
    """A request the rules or the data do not allow; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
