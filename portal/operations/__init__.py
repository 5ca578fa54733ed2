"""Operations: every user-requested action on a host, run by its worker, followed live."""
