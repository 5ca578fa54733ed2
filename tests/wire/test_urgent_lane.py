"""A stream's share of the urgent lane (wire.layer.UrgentLane): typing fits in it; a stream that
marks everything urgent is held to URGENT_RATE, its messages past it go the normal way, and it
comes back only once its bucket is full again, so its input is never read out of order."""

from wire.layer import URGENT_BURST, URGENT_MESSAGE_COST, URGENT_RATE, UrgentLane


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_given_typing_then_every_key_and_its_echo_go_urgent():
    clock = Clock()
    lane = UrgentLane(clock=clock)

    admitted = 0
    for _ in range(20 * 60):  # a minute of typing, twenty keys a second, each echoed with 2 KB
        clock.now += 0.05
        admitted += lane.admit(b"x") + lane.admit(b"e" * 2048)

    assert admitted == 2 * 20 * 60


def test_given_everything_marked_urgent_then_only_the_rate_goes_urgent_and_the_rest_normal():
    clock = Clock()
    lane = UrgentLane(clock=clock)
    chunk = b"y" * 16 * 1024

    urgent = sum(lane.admit(chunk) for _ in range(10))  # at once: the burst
    assert urgent == URGENT_BURST // (len(chunk) + URGENT_MESSAGE_COST)

    sent_urgent = 0
    for _ in range(1000):  # ten seconds of a chunk every 10 ms (1.6 MB/s)
        clock.now += 0.01
        sent_urgent += lane.admit(chunk) * (len(chunk) + URGENT_MESSAGE_COST)
    assert sent_urgent <= URGENT_RATE * 10 + URGENT_BURST


def test_given_a_refusal_then_the_lane_stays_normal_until_its_bucket_is_full_again():
    clock = Clock()
    lane = UrgentLane(clock=clock)
    while lane.admit(b"z" * 4096):
        pass
    refill = URGENT_BURST / URGENT_RATE

    clock.now += refill * 0.9
    assert not lane.admit(b"k")  # room for a key, yet it waits its turn behind the normal lane
    clock.now += refill * 0.2
    assert lane.admit(b"k")
