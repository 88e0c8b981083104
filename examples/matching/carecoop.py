#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A home-care coop in Barcelona, generated: an exec connector for the matching example.

Streams (config "stream"): "carers" (person records: skills with levels, languages,
home, travel distance, certificates, weekly hours), "requests" (task records: visits
asked by clients over the next two weeks, and visits of the last four weeks already
taken, which give fairness and continuity their history), "rota" (events that keep
some carers busy next week). The same seed gives the same people and requests; times
are laid out from this week's Monday, so the example never goes stale.

The hub runs it as  carecoop.py read --config FILE --state FILE  (the connector
protocol: JSON lines on stdout). Python's standard library only.
"""
import datetime as dt
import json
import random
import sys

SKILLS = ["personal-care", "nursing", "dementia-care", "mobility-assistance", "medication",
          "cooking", "cleaning", "companionship", "shopping", "night-care", "palliative-care",
          "physiotherapy", "child-care"]
LANGUAGES = ["ca", "es", "en", "ar", "ur"]
CERTIFICATES = ["first-aid", "food-handling", "dementia-care", "driving-licence"]
FIRST = ["Aina", "Jordi", "Marta", "Pau", "Laia", "Oriol", "Núria", "Marc", "Fatima", "Omar",
         "Lucía", "Carlos", "Sana", "Bilal", "Grace", "John", "Mireia", "Arnau", "Yasmin", "Hugo"]
LAST = ["Puig", "Soler", "Vidal", "Ferrer", "Serra", "García", "Martínez", "El Amrani", "Khan",
        "Rahman", "Smith", "Roca", "Font", "Pujol", "Costa", "Benali", "Iqbal", "Mas", "Sala", "Vila"]
# The city's bounds (about 10 × 12 km) and its 42 postcodes (postcodes.csv: their
# centres, laid on a grid over the bounds; made up, not the real districts).
SOUTH, NORTH, WEST, EAST = 41.35, 41.45, 2.10, 2.22
POSTCODES = ["080%02d" % n for n in range(1, 43)]


def postcode_centre(code):
    n = int(code[-2:]) - 1
    row, col = divmod(n, 7)
    return (round(SOUTH + (row + 0.5) * (NORTH - SOUTH) / 6, 5),
            round(WEST + (col + 0.5) * (EAST - WEST) / 7, 5))


def nearest_postcode(lat, lon):
    return min(POSTCODES, key=lambda c: (postcode_centre(c)[0] - lat) ** 2 + (postcode_centre(c)[1] - lon) ** 2)


def monday():
    today = dt.datetime.now(dt.timezone.utc).date()
    return today - dt.timedelta(days=today.weekday())


def iso(day, minutes):
    # Local Barcelona hours in winter are UTC+1; the example's times are written in UTC.
    t = dt.datetime.combine(day, dt.time(0, 0), dt.timezone.utc) + dt.timedelta(minutes=minutes - 60)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def spot(rng):
    return round(rng.uniform(SOUTH, NORTH), 5), round(rng.uniform(WEST, EAST), 5)


def carers(rng, n, week):
    for i in range(1, n + 1):
        lat, lon = spot(rng)
        skills = rng.sample(SKILLS, rng.randint(2, 5))
        langs = rng.sample(LANGUAGES, rng.randint(1, 3))
        certs = []
        for c in rng.sample(CERTIFICATES, rng.randint(0, 3)):
            expires = week + dt.timedelta(days=rng.randint(-200, 700))  # some have expired
            certs.append("%s:%s" % (c, expires.isoformat()))
        start = rng.choice([7, 8, 9, 14, 15])
        days = rng.choice(["mon-fri", "mon-sat", "tue-sat", "mon-thu"])
        hours = "%s %02d:00-%02d:00" % (days, start, min(start + rng.choice([4, 5, 6, 8]), 22))
        if rng.random() < 0.2:
            hours += "; sun 09:00-13:00"
        data = {
            "skills": "; ".join("%s:%d" % (s, rng.randint(1, 5)) for s in skills),
            "languages": ", ".join(langs),
            "postcode": nearest_postcode(lat, lon),
            "max_km": str(rng.choice([3, 5, 5, 8, 10, 12])),
            "certificates": "; ".join(certs),
            "hours": hours,
            "preferences": rng.choice(["", "", skills[0], rng.choice(SKILLS)]),
            "account": "carer%d" % i,
        }
        record = {"id": "c%d" % i, "kind": "person",
                  "title": "%s %s" % (rng.choice(FIRST), rng.choice(LAST)), "data": data}
        if rng.random() < 0.9:  # the rest are known by their postcode only
            record["location"] = {"lat": lat, "lon": lon}
        yield record


def request(rng, rid, day, clients, assignee=None):
    lat, lon = spot(rng)
    client = rng.choice(clients)
    skill = rng.choice(SKILLS)
    data = {
        "client": client,
        "skills": "%s:%d" % (skill, rng.randint(1, 3)),
        "languages": ", ".join(rng.sample(LANGUAGES, rng.randint(1, 2))),
        "postcode": nearest_postcode(lat, lon),
        "duration_minutes": str(rng.choice([60, 90, 120, 180])),
        "certificates": rng.choice(["", "", "", "first-aid"]),
        "assignee": assignee or "",
    }
    start = rng.choice(range(8 * 60, 18 * 60, 30))
    return {"id": rid, "kind": "task", "title": "%s for %s" % (skill.replace("-", " ").capitalize(), client),
            "time": iso(day, start), "location": {"lat": lat, "lon": lon}, "tags": [skill], "data": data}


def requests(rng, n, people, week):
    clients = ["client-%d" % i for i in range(1, 301)]
    for i in range(1, n + 1):  # open: the next two weeks
        yield request(rng, "r%d" % i, week + dt.timedelta(days=7 + rng.randint(0, 13)), clients)
    for i in range(1, n + 1):  # taken: the last four weeks
        day = week - dt.timedelta(days=rng.randint(1, 28))
        yield request(rng, "past%d" % i, day, clients, "c%d" % rng.randint(1, people))


def rota(rng, people, week):
    for i in range(1, people // 10 + 1):
        day = week + dt.timedelta(days=7 + rng.randint(0, 6))
        start = rng.choice(range(8 * 60, 16 * 60, 60))
        yield {"id": "rota%d" % i, "kind": "event", "title": "Training day", "time": iso(day, start),
               "end": iso(day, start + 240), "data": {"person": "c%d" % rng.randint(1, people)}}


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "spec":
        print(json.dumps({"type": "SPEC", "spec": {"type": "object", "properties": {
            "stream": {"type": "string", "enum": ["carers", "requests", "rota"]},
            "people": {"type": "integer", "default": 2000},
            "requests": {"type": "integer", "default": 500},
            "seed": {"type": "integer", "default": 7}}}}))
        return
    if command == "check":
        print(json.dumps({"type": "CHECK", "ok": True, "message": "generated data"}))
        return
    if command != "read":
        return
    config = {}
    if "--config" in sys.argv:
        with open(sys.argv[sys.argv.index("--config") + 1]) as f:
            config = json.load(f)
    stream = config.get("stream", "carers")
    people, count, seed = config.get("people", 2000), config.get("requests", 500), config.get("seed", 7)
    rng = random.Random("%s-%d" % (stream, seed))
    week = monday()
    kind = {"carers": "person", "requests": "task", "rota": "event"}[stream]
    print(json.dumps({"type": "STREAM", "name": stream, "kind": kind, "key": ["id"]}))
    make = {"carers": lambda: carers(rng, people, week),
            "requests": lambda: requests(rng, count, people, week),
            "rota": lambda: rota(rng, people, week)}[stream]
    out = sys.stdout
    for record in make():
        out.write(json.dumps({"type": "RECORD", "stream": stream, "record": record}, ensure_ascii=False) + "\n")
    out.write(json.dumps({"type": "STATE", "stream": stream, "state": {"week": week.isoformat()}}) + "\n")


if __name__ == "__main__":
    main()
