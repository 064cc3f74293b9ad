"""The code assets of the functions: bundled without docker (stacks/bundling.py), checked against
Lambda's size limits, and reported at synth so that a growing bundle is seen before it breaks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from stacks.bundling import LAMBDA_UNZIPPED_LIMIT_BYTES, Bundle, BundleSpec, build_bundle
from stacks.config import SlipwayConfig

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"
# Lambda's quota: function code and layers together, unzipped. (The 50 MB zipped limit applies to
# direct uploads only; CDK deploys code from the bootstrap bucket.)
UNZIPPED_LIMIT_BYTES = LAMBDA_UNZIPPED_LIMIT_BYTES
_MIB = 1024 * 1024


class BundleTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class LambdaCode:
    name: str
    code: lambda_.Code
    bundle: Bundle

    @property
    def summary(self) -> str:
        used = self.bundle.unzipped_bytes
        size = f"{used / _MIB:.1f} MiB" if used >= _MIB else f"{used / 1024:.0f} KiB"
        return (f"Lambda bundle {self.name}: {size} unzipped, "
                f"{100 * used / UNZIPPED_LIMIT_BYTES:.1f}% of Lambda's {UNZIPPED_LIMIT_BYTES // _MIB} MiB limit")

    def report(self, scope: IConstruct) -> None:
        """Shown by `cdk synth` / `cdk deploy` and kept in the assembly's metadata."""
        cdk.Annotations.of(scope).add_info(self.summary)


def _checked(name: str, bundle: Bundle) -> LambdaCode:
    if bundle.unzipped_bytes > UNZIPPED_LIMIT_BYTES:
        raise BundleTooLarge(f"Lambda bundle {name} is {bundle.unzipped_bytes / _MIB:.1f} MiB unzipped; "
                             f"Lambda allows {UNZIPPED_LIMIT_BYTES // _MIB} MiB (code and layers)")
    return LambdaCode(name=name, code=lambda_.Code.from_asset(str(bundle.path)), bundle=bundle)


def serving_code(config: SlipwayConfig) -> LambdaCode:
    """slipway_serving with lambdas/requirements.txt, for the runtime's Python and architecture."""
    spec = BundleSpec(source=LAMBDAS_DIR / "slipway_serving", requirements=LAMBDAS_DIR / "requirements.txt",
                      python_version=config.python_version, architecture=config.lambda_architecture)
    return _checked("slipway_serving", build_bundle(spec, with_dependencies=config.bundle_dependencies))


def pipeline_code(config: SlipwayConfig) -> LambdaCode:
    """slipway_pipeline: boto3 and the standard library only, both in the runtime."""
    spec = BundleSpec(source=LAMBDAS_DIR / "slipway_pipeline", requirements=None,
                      python_version=config.python_version, architecture=config.lambda_architecture)
    return _checked("slipway_pipeline", build_bundle(spec, with_dependencies=False))
