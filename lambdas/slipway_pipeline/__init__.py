"""The training pipeline's small steps (Step Functions Lambda tasks): evaluate a candidate model
against the serving one, and promote it. boto3 and the standard library only (both in the runtime).
"""
