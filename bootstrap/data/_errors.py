"""What fetching data can raise."""


class FetchError(OSError):
    """A download failed (network, HTTP status, truncated transfer, checksum), or upstream data could
    not be converted; the message names the URL or file and the way out (often ``--mirror DIR``)."""


class ChecksumError(FetchError):
    """A downloaded file's checksum differs from the one its upstream publishes; the file is deleted."""


class DamagedCacheError(ValueError):
    """A cached file no longer matches the size or sha256 recorded when it was fetched."""


class DamagedCacheWarning(UserWarning):
    """:func:`fetch` found a damaged cached file and fetches it again."""


MIRROR_HINT = ("pass --mirror DIR (mirror=DIR), a directory laid out like shared/data, or set OFFRAMP_MIRROR")
