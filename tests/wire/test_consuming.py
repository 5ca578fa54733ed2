"""The watch that ends a worker (the portal's, a host's) whose consumer went silent after a broker reconnect
(celery #8030 and kin): messages wait all along, for a minute, while it runs none."""

from celery.signals import task_postrun, task_prerun

from wire import consuming
from wire.consuming import ConsumingWatch, TaskActivity


class World:
    def __init__(self, waiting=0):
        self.now = 1000.0
        self.waiting = waiting
        self.tasks = TaskActivity(clock=lambda: self.now)
        self.watch = ConsumingWatch(lambda: self.waiting, 60, self.tasks, clock=lambda: self.now)

    def looks(self, seconds: float, every: float = 2.0) -> list[bool]:
        """The watch's answers over `seconds`, looking every `every` seconds."""
        answers = []
        for _ in range(int(seconds / every)):
            self.now += every
            answers.append(self.watch())
        return answers


def test_given_messages_waiting_and_an_idle_worker_for_a_minute_then_it_is_stalled():
    world = World(waiting=12)
    answers = world.looks(58)
    assert not any(answers)
    assert world.looks(4)[-1] is True


def test_given_an_empty_queue_an_idle_worker_is_never_stalled():
    world = World(waiting=0)
    assert not any(world.looks(600))


def test_given_a_worker_that_takes_messages_now_and_then_it_is_never_stalled():
    world = World(waiting=500)  # a backlog it works through
    answers = []
    for _ in range(20):
        answers += world.looks(30)
        world.tasks.started()
        world.now += 1
        world.tasks.ended()
    assert not any(answers)


def test_given_a_task_running_for_minutes_the_worker_is_busy_not_stalled():
    world = World(waiting=3)
    world.tasks.started()
    assert not any(world.looks(300))
    world.tasks.ended()
    assert not any(world.looks(58))
    assert world.looks(4)[-1] is True


def test_given_the_broker_away_the_wait_is_not_the_workers():
    world = World()
    world.waiting = None
    assert not any(world.looks(300))


def test_given_a_gap_between_looks_then_the_watch_starts_again():
    """The process was stopped (SIGSTOP) or the machine slept: a backlog and no task mean nothing yet."""
    world = World(waiting=40)
    world.looks(20)
    world.now += 600
    assert world.watch() is False
    assert not any(world.looks(58))


def test_celerys_task_signals_move_the_process_activity():
    before = consuming.activity.last
    task_prerun.send(sender=None, task_id="t", task=None)
    assert consuming.activity.running >= 1 and consuming.activity.last >= before
    task_postrun.send(sender=None, task_id="t", task=None)
    assert consuming.activity.running == 0
