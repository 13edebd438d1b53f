"""The local result cache: the JSON store, Arrow IPC entries, and the file framing both share."""
