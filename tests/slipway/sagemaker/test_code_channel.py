"""A network-isolated job gets its code as an input channel: sagemaker_submit_directory is then a
local path, which the training toolkit accepts as well as an s3:// URI (sagemaker-training-toolkit,
`files.download_and_extract`)."""
from __future__ import annotations

import io
import tarfile

import pytest

from slipway.sagemaker import s3io
from slipway.sagemaker.errors import TrainingRunnerError


def test_the_code_archive_is_read_from_its_input_channel(tmp_path):
    channel = tmp_path / "channels" / "code"
    channel.mkdir(parents=True)
    with tarfile.open(channel / "source.gz", "w:gz") as tar:
        info = tarfile.TarInfo("train.py")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"pass\n"))

    code = s3io.download_code(None, "/opt/ml/input/data/code/source.gz", tmp_path / "code", {"code": channel})

    assert (code / "train.py").read_text() == "pass\n"
    assert (channel / "source.gz").is_file()  # the channel keeps its file, as SageMaker's would


def test_a_submit_directory_naming_no_channel_file_is_refused(tmp_path):
    with pytest.raises(TrainingRunnerError, match="is not a file of an input channel"):
        s3io.download_code(None, "/opt/ml/input/data/code/missing.gz", tmp_path / "code", {"code": tmp_path})
