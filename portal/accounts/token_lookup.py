"""Finding a token by its key on every API request, without building the query each time.

`PersonalToken.objects.for_key` through the ORM was a fifth of an API request (0.5 ms of its
2.6 ms in `bench/containers_list.py --profile`): the queryset cloned, compiled to SQL, then the
rows turned into models. The SQL is the same for every key, so it is compiled once per process,
from that same queryset, and only executed per request: the database is still asked every time,
so a token revoked, expired or whose user was deactivated is refused at the very next request,
in every process, exactly as before (nothing about a token is remembered between requests).
"""

from __future__ import annotations

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections

from portal.accounts.models import PersonalToken, hash_key

__all__ = ["token_with_key"]

_PLACEHOLDER = "berth-key-hash-placeholder"


class _CompiledLookup:
    """for_key's query, compiled: its SQL and parameters, the converters of its columns (SQLite
    stores times as text) and which columns are the token's and which its user's."""

    def __init__(self, alias: str):
        query = PersonalToken.objects.for_key_hash(_PLACEHOLDER).query
        compiler = query.get_compiler(alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.key_at = self.params.index(_PLACEHOLDER)
        self.compiler = compiler
        self.converters = compiler.get_converters([column for column, _, _ in compiler.select])
        token_info = compiler.klass_info
        [user_info] = token_info["related_klass_infos"]
        self.token_columns = token_info["select_fields"]
        self.user_columns = user_info["select_fields"]
        self.token_names = [compiler.select[i][0].target.attname for i in self.token_columns]
        self.user_names = [compiler.select[i][0].target.attname for i in self.user_columns]
        self.user_model = user_info["model"]
        self.user_field = user_info["field"]

    def run(self, key_hash: str, alias: str) -> PersonalToken | None:
        params = list(self.params)
        params[self.key_at] = key_hash
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        token = PersonalToken.from_db(alias, self.token_names, [row[i] for i in self.token_columns])
        user = self.user_model.from_db(alias, self.user_names, [row[i] for i in self.user_columns])
        self.user_field.set_cached_value(token, user)  # token.user, as select_related leaves it
        return token


@cache
def _lookup(alias: str) -> _CompiledLookup:
    return _CompiledLookup(alias)


def token_with_key(key: str) -> PersonalToken | None:
    """What PersonalToken.objects.for_key(key) answers: the token with this key and an active
    user (its user loaded), expired or not, or None."""
    return _lookup(DEFAULT_DB_ALIAS).run(hash_key(key), DEFAULT_DB_ALIAS)
