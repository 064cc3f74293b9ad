from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from slipway.demo import DemoReport, run_demo
from slipway.local.stack import LocalDeployment, deploy_local
from slipway.promote import promote
from tests.conftest import REPO


@pytest.fixture(scope="session")
def demo_console(assembly: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoReport, list[str]]:
    """What `make demo` does, once per session, and the lines it prints; it raises DemoFailed when a
    check fails."""
    lines: list[str] = []
    report = run_demo(REPO, records=1000, work_dir=tmp_path_factory.mktemp("demo"), say=lines.append)
    return report, lines


@pytest.fixture(scope="session")
def demo_report(demo_console: tuple[DemoReport, list[str]]) -> DemoReport:
    return demo_console[0]


@pytest.fixture(scope="module")
def live(demo_report: DemoReport) -> Iterator[LocalDeployment]:
    """A fresh local deployment serving the demo's model."""
    with deploy_local(REPO) as deployment:
        promote(deployment.clients, bucket=deployment.output("ModelsBucketName"),
                pointer_key=deployment.output("ModelPointerKey"), tar_path=demo_report.training.model_artifact)
        yield deployment
