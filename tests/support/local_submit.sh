#!/usr/bin/env bash
# A local stand-in for a cluster's submit command (sbatch, qsub), for the cluster-generic executor test:
# Snakemake passes the job script as the last argument; it runs in the background and its process id is
# printed as the "cluster job id". The executor learns that the job ended from the files the job script
# itself leaves behind, as on a real cluster without a status command.
set -euo pipefail
jobscript="${@: -1}"
nohup bash "$jobscript" > /dev/null 2>&1 &
echo "$!"
