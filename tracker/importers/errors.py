class SourceError(Exception):
    """A source file that cannot be imported; its message names the file and, if known, the line."""

    def __init__(self, name, message, line=None):
        self.name = str(name)
        self.line = line
        self.message = message
        location = f"{self.name}:{line}" if line else self.name
        super().__init__(f"{location}: {message}")
