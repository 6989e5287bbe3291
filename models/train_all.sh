#!/usr/bin/env bash
# Whole demo pipeline, resumable: rerun it and every phase continues where it stopped.
#   nohup bash models/train_all.sh > runs/train_all.log 2>&1 &
# Env knobs: TEACHER_UNTIL / STUDENT_UNTIL (UTC "YYYY-MM-DDTHH:MM", hard stops; the cosine schedule is
# fitted to end there), TEACHER_MIN / STUDENT_MIN (budget caps), EMBED_DIM / HEADS, EVAL_LIMIT, PY.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EMBED_DIM=${EMBED_DIM:-48}
HEADS=${HEADS:-1}
TEACHER_MIN=${TEACHER_MIN:-80}
STUDENT_MIN=${STUDENT_MIN:-30}
TEACHER_UNTIL=${TEACHER_UNTIL:-}
STUDENT_UNTIL=${STUDENT_UNTIL:-}
EVAL_LIMIT=${EVAL_LIMIT:-2000}
mkdir -p runs
echo "[train_all] $(date -u +%FT%TZ) data"
$PY -m models.data.generate --out runs/data/train --count 36000 --seed 1 --workers 2
$PY -m models.data.generate --out runs/data/val --count 2000 --seed 2 --workers 2
echo "[train_all] $(date -u +%FT%TZ) teacher"
$PY -m models.train teacher --out runs/teacher --embed-dim "$EMBED_DIM" --heads "$HEADS" \
    --max-minutes "$TEACHER_MIN" ${TEACHER_UNTIL:+--until "$TEACHER_UNTIL"} --val-limit 192 --ckpt-minutes 4
echo "[train_all] $(date -u +%FT%TZ) student"
$PY -m models.train student --teacher runs/teacher/ckpt.pth --out runs/student --keep-ratio 0.7 \
    --max-minutes "$STUDENT_MIN" ${STUDENT_UNTIL:+--until "$STUDENT_UNTIL"} --val-limit 192 --ckpt-minutes 4
echo "[train_all] $(date -u +%FT%TZ) evaluate"
$PY -m models.evaluate --teacher runs/teacher/ckpt.pth --student runs/student/ckpt.pth --out runs/eval.json \
    --limit "$EVAL_LIMIT"
echo "[train_all] $(date -u +%FT%TZ) export"
$PY -m models.export_demo --teacher runs/teacher/ckpt.pth --student runs/student/ckpt.pth --eval runs/eval.json
echo "[train_all] $(date -u +%FT%TZ) all done"
