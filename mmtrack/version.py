"""Version of the mmtrack package."""

__version__ = "1.0.0rc0"


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple, e.g. ``'1.0.0rc0'`` -> ``(1, 0, 0, 'rc0')``."""
    info: list = []
    for part in version_str.split("."):
        if part.isdigit():
            info.append(int(part))
        elif "rc" in part:
            num, rc = part.split("rc")
            info.append(int(num))
            info.append(f"rc{rc}")
    return tuple(info)


version_info = parse_version_info(__version__)
