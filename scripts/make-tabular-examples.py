#!/usr/bin/env python3
"""Writes the two small drifting tabular streams the repository ships (presets/data/):

card-transactions.csv  one year of card payments, label `fraud` (0/1). Fraud comes in three patterns whose shares move
                       through the year (large card-not-present payments far from home, then small online-gaming top-ups,
                       then card-present electronics purchases with a skimmed card), so the class boundary moves.
energy-demand.csv      two years of hourly electricity demand in MW (a numeric target). Demand grows, heating load
                       shrinks and cooling load grows as the years pass, and rooftop solar eats into midday demand more
                       and more, so the target's dependence on the inputs drifts.

Deterministic (fixed seeds, Python's own random module only): rerunning rewrites the same bytes.
Usage: scripts/make-tabular-examples.py [OUTPUT_DIR]   (default: presets/data next to this script's parent)
"""
import csv
import datetime
import math
import os
import random
import sys

MERCHANTS = ["grocery", "fuel", "restaurant", "travel", "electronics", "online-gaming"]
LEGIT_SHARE = [0.34, 0.18, 0.22, 0.06, 0.08, 0.12]


def card_transactions(path):
    rng = random.Random(20260101)
    start = datetime.datetime(2025, 1, 1)
    days = 365
    rows = []
    for day in range(days):
        t = day / (days - 1)  # 0 at the start of the year, 1 at its end
        # the three fraud patterns' shares move through the year
        modes = [(1 - t) ** 2, 2 * t * (1 - t), t ** 2]
        for _ in range(rng.randint(32, 48)):
            seconds = rng.randrange(24 * 3600)
            when = start + datetime.timedelta(days=day, seconds=seconds)
            hour = when.hour
            fraud = rng.random() < 0.08
            if not fraud:
                merchant = rng.choices(MERCHANTS, LEGIT_SHARE)[0]
                amount = rng.lognormvariate(math.log({"travel": 180, "electronics": 120}.get(merchant, 35)), 0.7)
                distance = rng.lognormvariate(math.log(6), 1.0)
                card_present = 1 if rng.random() < (0.15 if merchant == "online-gaming" else 0.8) else 0
                hour = min(23, max(0, int(rng.gauss(14, 4.5))))
            else:
                mode = rng.choices([0, 1, 2], modes)[0]
                if mode == 0:  # large card-not-present payments far from home, at night
                    merchant = rng.choice(["travel", "electronics"])
                    amount = rng.lognormvariate(math.log(650), 0.5)
                    distance = rng.lognormvariate(math.log(900), 0.8)
                    card_present = 0
                    hour = rng.choice([0, 1, 2, 3, 4, 23])
                elif mode == 1:  # many small online-gaming top-ups
                    merchant = "online-gaming"
                    amount = rng.lognormvariate(math.log(9), 0.4)
                    distance = rng.lognormvariate(math.log(6), 1.0)
                    card_present = 0
                    hour = min(23, max(0, int(rng.gauss(20, 3))))
                else:  # a skimmed card used in person for electronics near home
                    merchant = "electronics"
                    amount = rng.lognormvariate(math.log(300), 0.4)
                    distance = rng.lognormvariate(math.log(15), 0.8)
                    card_present = 1
                    hour = min(23, max(0, int(rng.gauss(15, 3))))
            when = when.replace(hour=hour)
            rows.append((when.isoformat(timespec="seconds"), f"{amount:.2f}", hour, merchant, f"{distance:.1f}", card_present,
                         int(fraud)))
    rows.sort(key=lambda r: r[0])
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["timestamp", "amount", "hour", "merchant", "distance_km", "card_present", "fraud"])
        w.writerows(rows)
    return len(rows)


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def energy_demand(path):
    rng = random.Random(20260202)
    start = datetime.datetime(2024, 1, 1)
    steps = 2 * 365 * 24  # every hour for two years
    rows = []
    for i in range(steps):
        when = start + datetime.timedelta(hours=i)
        t = i / (steps - 1)
        day_of_year = when.timetuple().tm_yday
        hour = when.hour
        season = -math.cos(2 * math.pi * (day_of_year - 15) / 365)  # -1 mid-winter, +1 mid-summer
        temperature = 12 + 11 * season + 4 * math.sin(2 * math.pi * (hour - 9) / 24) + rng.gauss(0, 2.5)
        humidity = min(100, max(15, 65 - 1.2 * (temperature - 12) + rng.gauss(0, 10)))
        weekday = WEEKDAYS[when.weekday()]
        holiday = 1 if (when.month, when.day) in {(1, 1), (5, 1), (7, 14), (8, 15), (11, 1), (12, 25), (12, 26)} else 0
        daily = 1 + 0.25 * math.sin(2 * math.pi * (hour - 6) / 24) + 0.15 * math.sin(4 * math.pi * (hour - 9) / 24)
        base = (900 + 120 * t) * daily * (0.85 if weekday in ("sat", "sun") or holiday else 1)
        heating = (14 - 6 * t) * max(0, 15 - temperature)             # heating load shrinks (insulation)
        cooling = (6 + 22 * t) * max(0, temperature - 22)             # cooling load grows (air conditioners)
        solar = 260 * t * max(0, math.sin(math.pi * (hour - 6) / 12)) * (0.6 + 0.4 * max(0, season))  # behind-the-meter solar
        demand = base + heating + cooling - solar + rng.gauss(0, 25)
        rows.append((when.isoformat(timespec="minutes"), f"{temperature:.1f}", f"{humidity:.0f}", hour, weekday, holiday,
                     f"{demand:.1f}"))
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["timestamp", "temperature_c", "humidity", "hour", "weekday", "holiday", "demand_mw"])
        w.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "presets", "data")
    os.makedirs(out, exist_ok=True)
    n1 = card_transactions(os.path.join(out, "card-transactions.csv"))
    n2 = energy_demand(os.path.join(out, "energy-demand.csv"))
    print(f"card-transactions.csv: {n1} rows; energy-demand.csv: {n2} rows; in {os.path.normpath(out)}")
