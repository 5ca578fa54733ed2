"""The one rule of a role binding's reach, shared by the API and the pages."""

__all__ = ["binding_reach_problem"]


def binding_reach_problem(all_hosts: bool, hosts) -> str | None:
    """Why a binding reaching `all_hosts` and the `hosts` given is malformed, or None if it is not.
    A binding names all hosts or a non-empty set of hosts, never both and never neither."""
    if all_hosts and hosts:
        return "Choose all hosts or a set of hosts, not both."
    if not all_hosts and not hosts:
        return "Choose all hosts, or at least one host."
    return None
