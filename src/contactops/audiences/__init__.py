"""The audiences stage: segment definitions, consent gate, plan/apply publishing, references.

    from contactops.audiences import load_audience_config, make_plan, apply
    cfg = load_audience_config(project)
    plan = make_plan(wh, cfg, "newsletter")      # size, adds/removes, exclusions by reason
    print(plan); apply(wh, cfg, plan)            # refuses while a gate fails

Definitions live in ``config/audiences.yaml``; workflows and campaigns that rely on lists,
tags and audiences in ``config/references.yaml``.
"""

from __future__ import annotations

from contactops.audiences.definitions import AudienceConfig, load_audience_config
from contactops.audiences.gate import REASONS, GateContext, apply_gate
from contactops.audiences.plan import Plan, make_plan
from contactops.audiences.publish import PublishResult, apply

__all__ = ["REASONS", "AudienceConfig", "GateContext", "Plan", "PublishResult", "apply",
           "apply_gate", "load_audience_config", "make_plan"]
