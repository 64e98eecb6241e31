KIND_RUN: int
KIND_EMAIL: int
KIND_IBAN: int
KIND_IPV6: int
IBAN_REACH: int

def scan_shapes(
    text: str, min_digits: int, min_consecutive: int, plus_digits: int, min_dots: int, want_email: bool,
    want_iban: bool, want_ipv6: bool,
) -> list[tuple[int, int, int, int, int, int, int]]: ...
def widen(text: str, s: int, e: int) -> tuple[int, int]: ...
