"""Reading pull and push streams into per-layer progress."""

from engine.progress import BuildLog, LayerBoard


def test_a_layer_goes_from_download_to_extraction_to_done_keeping_its_bytes():
    board = LayerBoard()
    for line in (
        {"status": "Pulling from team/app", "id": "1"},
        {"status": "Pulling fs layer", "id": "a", "progressDetail": {}},
        {"status": "Downloading", "id": "a", "progressDetail": {"current": 10, "total": 100}},
        {"status": "Download complete", "id": "a", "progressDetail": {}},
    ):
        board.apply(line)
    assert board.layers["a"].as_dict() == {
        "id": "a",
        "status": "Download complete",
        "phase": "downloaded",
        "current": 100,
        "total": 100,
    }

    board.apply({"status": "Extracting", "id": "a", "progressDetail": {"current": 50, "total": 300}})
    assert (board.layers["a"].phase, board.layers["a"].current, board.layers["a"].total) == ("extracting", 50, 300)
    board.apply({"status": "Pull complete", "id": "a", "progressDetail": {}})
    assert (board.layers["a"].phase, board.layers["a"].current) == ("done", 300)
    assert board.status == "1: Pulling from team/app"


def test_an_error_line_is_kept():
    board = LayerBoard()
    board.apply({"error": "manifest unknown", "errorDetail": {"message": "manifest unknown: manifest unknown"}})
    assert board.error == "manifest unknown: manifest unknown"


def test_build_lines_are_split_and_the_step_followed():
    log = BuildLog()
    assert log.apply({"stream": "Step 1/2 : FROM x\n ---> abc\nStep 2/2 : RUN"}) == ["Step 1/2 : FROM x", " ---> abc"]
    assert log.apply({"stream": " false\n"}) == ["Step 2/2 : RUN false"]
    assert log.step == "Step 2/2 : RUN false"
    log.apply({"aux": {"ID": "sha256:f"}})
    assert log.image_id == "sha256:f"
