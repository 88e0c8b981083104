#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A coop's own scoring step for matching: hub.yaml's  matching: {scorer: exec:./score.py}.

The hub runs it as a connector is run (its own process, the same limits) with the
command `read --config FILE --state FILE`. FILE holds {"requests": [{"request": {...},
"candidates": [{"person": {...}, "km", "score", "reasons", "hours_4_weeks",
"client_visits"}]}]}: the candidates the hard rules let through, with the built-in
score and its reasons. It answers one RECORD per candidate it scores, whose data is
{"request": uid, "person": uid, "score": 0-100, "reasons": [{"text", "code", "points"}]}.
A candidate it leaves out keeps the built-in score; it cannot add anyone.

This coop's rule: clients keep the carers they know (each earlier visit adds 5 points),
and whoever worked under 10 hours in the last 4 weeks comes first (5 points more), so
that new and part-time members get work. The built-in reasons stay, and the rule's own
are added, so the points still add up.
Python's standard library only.
"""
import json
import sys

VISIT_BONUS = 5
FEW_HOURS, FEW_HOURS_BONUS = 10, 5


def rescore(request, candidate):
    reasons = list(candidate["reasons"])
    score = candidate["score"]
    visits = candidate["client_visits"]
    if visits:
        bonus = VISIT_BONUS * visits
        reasons.append({"code": "coop-continuity", "points": bonus,
                        "text": "knows this client (+%d)" % bonus})
        score += bonus
    if candidate["hours_4_weeks"] < FEW_HOURS:
        reasons.append({"code": "coop-share", "points": FEW_HOURS_BONUS,
                        "text": "under %d h in 4 weeks (+%d)" % (FEW_HOURS, FEW_HOURS_BONUS)})
        score += FEW_HOURS_BONUS
    return {"request": request["uid"], "person": candidate["person"]["uid"],
            "score": round(min(100.0, max(0.0, score)), 1), "reasons": reasons}


def main():
    if len(sys.argv) < 2 or sys.argv[1] != "read" or "--config" not in sys.argv:
        print(json.dumps({"type": "ERROR", "message": "run by the hub as: score.py read --config FILE"}))
        return 2
    with open(sys.argv[sys.argv.index("--config") + 1]) as f:
        asked = json.load(f)
    out = sys.stdout
    out.write(json.dumps({"type": "STREAM", "name": "scores", "kind": "other", "key": ["id"]}) + "\n")
    for job in asked["requests"]:
        for candidate in job["candidates"]:
            data = rescore(job["request"], candidate)
            record = {"id": "%d-%d" % (data["request"], data["person"]), "kind": "other", "data": data}
            out.write(json.dumps({"type": "RECORD", "stream": "scores", "record": record}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
