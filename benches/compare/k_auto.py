#!/usr/bin/env python3
"""`veille cluster --k auto` against the number of labels, on four labelled corpora.

Usage: python3 benches/compare/k_auto.py [--veille PATH] [--data DIR] [--seeds 0,1]
           [--repeats 3] [--criterion stability|silhouette] [--out FILE.json]

For each corpus and seed: `--k auto` (chosen k, its NMI, the curve) and `--k L` with L the
number of labels (its NMI), each run `--repeats` times for the median fit time; then a
small (200 articles) and a tiny (12 articles) sample of 20 Newsgroups. Le Monde's articles
with exactly one label are written to target/compare/lemonde_single_label.jsonl first.
Standard library only. Prints a Markdown table; writes every run to --out
(default target/compare/k_auto.json).
"""
import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time

from common import OUT_DIR as OUT, ROOT
from report import cpu_model


def lemonde_single(data):
    """Le Monde records with exactly one of `labels`, as single-label `label` records."""
    path = os.path.join(OUT, 'lemonde_single_label.jsonl')
    with open(os.path.join(data, 'lemonde_2017.jsonl'), encoding='utf-8') as src, \
            open(path, 'w', encoding='utf-8') as dst:
        for line in src:
            r = json.loads(line)
            if len(r['labels']) == 1:
                dst.write(json.dumps({'id': r['id'], 'label': r['labels'][0], 'text': r['text']},
                                     ensure_ascii=False) + '\n')
    return path


def sample(data, n):
    """`n` articles of 20 Newsgroups test, in a seeded random order."""
    path = os.path.join(OUT, f'20ng_test_{n}.jsonl')
    with open(os.path.join(data, '20news_bydate.test.jsonl'), encoding='utf-8') as f:
        lines = f.readlines()
    random.Random(1).shuffle(lines)
    with open(path, 'w', encoding='utf-8') as f:
        f.writelines(lines[:n])
    return path


def cluster(veille, path, k, seed, criterion):
    cmd = [veille, 'cluster', '--data', path, '--k', str(k), '--seed', str(seed), '--json',
           '--quiet', '--k-criterion', criterion]
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out), time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--veille', default=os.path.join(ROOT, 'target', 'release', 'veille'))
    ap.add_argument('--data', default=os.path.join(ROOT, '..', 'shared', 'data'))
    ap.add_argument('--seeds', default='0,1')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--criterion', default='stability')
    ap.add_argument('--out', default=os.path.join(OUT, 'k_auto.json'))
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    seeds = [int(s) for s in a.seeds.split(',')]
    corpora = [
        ('20 Newsgroups test', os.path.join(a.data, '20news_bydate.test.jsonl'), 20),
        ('AG News test', os.path.join(a.data, 'ag_news.test.jsonl'), 4),
        ('The Hacker News', os.path.join(a.data, 'thehackernews.jsonl'), 4),
        ('Le Monde, single-label', lemonde_single(a.data), 9),
    ]
    env = {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S%z'),
        'nproc': os.cpu_count(), 'cpu': cpu_model(), 'load_start': os.getloadavg(),
        'veille': subprocess.run([a.veille, '--version'], capture_output=True, text=True).stdout.strip(),
        'criterion': a.criterion, 'repeats': a.repeats,
    }
    rows = []
    for name, path, labels in corpora:
        for seed in seeds:
            autos = [cluster(a.veille, path, 'auto', seed, a.criterion) for _ in range(a.repeats)]
            fixed = [cluster(a.veille, path, labels, seed, a.criterion) for _ in range(a.repeats)]
            auto, true = autos[0][0], fixed[0][0]
            ka = auto['k_auto']
            row = {
                'corpus': name, 'seed': seed, 'labels': labels, 'chosen': auto['k'],
                'nmi_chosen': auto['nmi'], 'nmi_true_k': true['nmi'], 'flat': ka['flat'],
                'note': ka['note'], 'curve': [[p['k'], p['score']] for p in ka['curve']],
                'auto_fit_s': statistics.median(r[0]['seconds']['fit'] for r in autos),
                'fixed_fit_s': statistics.median(r[0]['seconds']['fit'] for r in fixed),
                'same_output': all(r[0]['clusters'] == auto['clusters'] for r in autos),
            }
            row['in_range'] = labels / 2 <= row['chosen'] <= 2 * labels
            row['nmi_within'] = row['nmi_chosen'] >= row['nmi_true_k'] - 0.05
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    small = []
    for n in (200, 12):
        v, _ = cluster(a.veille, sample(a.data, n), 'auto', 0, a.criterion)
        ka = v['k_auto']
        small.append({'articles': n, 'chosen': v['k'], 'criterion': ka['criterion'],
                      'flat': ka['flat'], 'tried': [p['k'] for p in ka['curve']],
                      'best_score': max((p['score'] for p in ka['curve']), default=None),
                      'note': ka['note']})
    env['load_end'] = os.getloadavg()
    with open(a.out, 'w', encoding='utf-8') as f:
        json.dump({'env': env, 'rows': rows, 'small': small}, f, indent=1)
    print(f"- date: {env['date']}; nproc: {env['nproc']}; CPU: {env['cpu']}; {env['veille']}")
    print(f"- load average (1/5/15 min) at start {[round(x, 2) for x in env['load_start']]},"
          f" at end {[round(x, 2) for x in env['load_end']]}")
    print()
    print('| corpus | seed | true k | chosen k | NMI at chosen | NMI at true k | both targets | flat | auto fit s | fixed-k fit s | ratio |')
    print('|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|')
    for r in rows:
        ok = 'yes' if r['in_range'] and r['nmi_within'] else (
            'no (k out of range)' if not r['in_range'] else
            f"no (NMI {r['nmi_true_k'] - r['nmi_chosen']:.3f} below)")
        print(f"| {r['corpus']} | {r['seed']} | {r['labels']} | {r['chosen']} | {r['nmi_chosen']:.3f}"
              f" | {r['nmi_true_k']:.3f} | {ok} | {'yes' if r['flat'] else 'no'}"
              f" | {r['auto_fit_s']:.2f} | {r['fixed_fit_s']:.2f} | {r['auto_fit_s'] / r['fixed_fit_s']:.1f}x |")
    print()
    for r in rows:
        print(f"- {r['corpus']}, seed {r['seed']}: " + ', '.join(
            f"{k}{'*' if k == r['chosen'] else ''} {s:.3f}" for k, s in r['curve']))
    print()
    for s in small:
        print(f"- {s['articles']} articles: k = {s['chosen']} by {s['criterion']}, flat: {s['flat']},"
              f" tried {s['tried'][0] if s['tried'] else '-'}–{s['tried'][-1] if s['tried'] else '-'};"
              f" note: {s['note'] or '(none)'}")


if __name__ == '__main__':
    main()
