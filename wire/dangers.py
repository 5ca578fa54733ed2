"""The words for options that amount to root on the host, said once for both sides: the portal
refuses them in a run (portal/access/dangerous.py), and a host worker refuses a named volume whose
driver options bind a host path, which only the host can see (workers/operations/kinds.py)."""

from __future__ import annotations

__all__ = ["DANGEROUS_OPTION", "admin_only_sentence", "volume_label"]

# The refusal's code, the same from the API (403) and from a failed operation.
DANGEROUS_OPTION = "dangerous_option"


def admin_only_sentence(options: list[str]) -> str:
    return (
        f"Only an admin of this host may use: {', '.join(options)}. Remove "
        f"{'it' if len(options) == 1 else 'them'} or ask an admin."
    )


def volume_label(name: str, host_path: str) -> str:
    return f"volume {name} (binds host path {host_path})"
