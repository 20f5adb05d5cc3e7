"""Packs the raw archive's oldest finished day in a process of its own, stopping at a chosen point, for the kill
tests: python pack_driver.py DATA_DIR ISO_NOW POINT.

POINT is where it says "stopped at POINT" on stdout and then waits to be killed: `member:N` (the N-th answer
written into the temporary tar.gz), `rename` (the tar.gz whole and fsync'd, not yet in place), `renamed` (in place, no
loose file deleted), `unlink:N` (N loose files deleted), `rmdir` (every loose file gone, the folder not yet),
or `none` (runs to the end and says "done").
"""

import os
import pathlib
import signal
import sys
import tarfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project: pvs6sup

from pvs6sup.store.packing import pack_finished_day


def stop(point: str) -> None:
    sys.stdout.write(f"stopped at {point}\n")
    sys.stdout.flush()
    while True:
        signal.pause()  # until the test's SIGKILL


def install(point: str) -> None:
    kind, _, count = point.partition(":")
    seen = [0]

    def counted() -> bool:
        seen[0] += 1
        return seen[0] == int(count)

    if kind == "member":
        real_addfile = tarfile.TarFile.addfile

        def addfile(self, info, fileobj=None, *args, **kwargs):  # type: ignore[no-untyped-def]
            real_addfile(self, info, fileobj, *args, **kwargs)
            if counted():
                self.fileobj.flush()  # what was compressed so far reaches the temporary file
                stop(point)

        tarfile.TarFile.addfile = addfile  # type: ignore[method-assign,assignment]
    elif kind in ("rename", "renamed"):
        real_replace = os.replace

        def replace(src, dst):  # type: ignore[no-untyped-def]
            if kind == "rename":
                stop(point)
            real_replace(src, dst)
            stop(point)

        os.replace = replace  # type: ignore[assignment]
    elif kind == "unlink":
        real_unlink = os.unlink

        def unlink(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            real_unlink(path, *args, **kwargs)
            if str(path).endswith(".json.gz") and counted():
                stop(point)

        os.unlink = unlink
    elif kind == "rmdir":

        def rmdir(self):  # type: ignore[no-untyped-def]
            stop(point)

        pathlib.Path.rmdir = rmdir  # type: ignore[method-assign]


if __name__ == "__main__":
    install(sys.argv[3])
    pack_finished_day(Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2]))
    sys.stdout.write("done\n")
