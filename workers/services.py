"""Runs the host worker's long-lived services (heartbeat, inventory sync, …) for as long as
the Celery worker runs: started in order, stopped in reverse order."""

from celery import bootsteps

__all__ = ["ServicesStep"]


class ServicesStep(bootsteps.StartStopStep):
    """Each service has start() and stop(); the app carries them as `berth_services`."""

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.services = list(worker.app.berth_services)

    def start(self, worker):
        for service in self.services:
            service.start()

    def stop(self, worker):
        for service in reversed(self.services):
            service.stop()
