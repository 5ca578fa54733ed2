"""Teams, their members, and the roles they hold on all hosts or on a set of hosts."""
