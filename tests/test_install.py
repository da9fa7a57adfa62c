"""A plain, non-editable install of the wheel gives a working `tracker`."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_from_anywhere(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("tracker-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "tracker/schema.sql" in names
    assert "tracker/schema.pg.sql" in names
    assert "tracker/web/metadata.json" in names      # read by `tracker serve`, beside its package
    assert not any(name.startswith("tests/") for name in names)

    # A fresh environment with only the wheel installed; its dependencies are
    # borrowed from the test environment so that no download is needed.
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    (target / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "TRACKER_DB": str(tmp_path / "t.db"), "TRACKER_NOW": "2025-11-29T10:00:00Z",
           "HOME": str(tmp_path)}
    where = subprocess.run([str(python), "-c", "import tracker; print(tracker.__file__)"], cwd=elsewhere,
                           env=env, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(target))
    run = subprocess.run([str(python), "-m", "tracker", "add", "event", "Summit", "--start", "2025-12-04"],
                         cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    listed = subprocess.run([str(python), "-m", "tracker", "list", "--json"], cwd=elsewhere, env=env,
                            check=True, capture_output=True, text=True).stdout
    assert json.loads(listed)[0]["title"] == "Summit"


def test_default_database_lives_in_the_users_data_folder(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    tracker_bin = Path(sys.executable).parent / "tracker"
    subprocess.run([str(tracker_bin), "add", "event", "Summit"], env=env, check=True, capture_output=True)
    assert (tmp_path / "data" / "tracker" / "tracker.db").exists()
