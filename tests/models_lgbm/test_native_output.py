"""Native stderr (file descriptor 2) is kept off the terminal inside the block, and kept for errors."""
import os
import sys

from engine.models.native_output import native_stderr_captured


def test_native_writes_are_captured_and_the_descriptor_restored(capfd):
    print("before", file=sys.stderr)
    with native_stderr_captured() as printed:
        os.write(2, b"[LightGBM] [Fatal] Wrong size of feature_names\n")
    os.write(2, b"after\n")
    assert printed.lines("[LightGBM] [Fatal] ") == ["Wrong size of feature_names"]
    assert capfd.readouterr().err == "before\nafter\n"
