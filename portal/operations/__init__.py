"""Operations: the service every action on a host goes through, whichever app's API starts it
(portal.containers.api, portal.images.api). It records the operation and its audit event and
sends it to the host's queue (dispatch), follows its progress live (consumers, publish), applies
the worker's reports (reports), fails the ones whose host was lost (liveness), and lists them
(api). It imports neither containers nor images: they register with it (resources)."""
