class RunLensError(Exception):
    """RunLens could not keep a record it was asked to keep (an unwritable .runlens/, a full disk)."""
