"""What crosses Redis between the portal and the host workers, defined once for both sides:
names (queues, tasks, keys, groups), the channel layer, stream messages, transfers, task arguments,
reports, inventory records and the run spec. Plain Python: no Django, nothing of `portal/`,
`workers/` or `engine/`."""
