import subprocess

LRS = {
    "adam": [1e-4, 1e-3],
    "sgd": [0.05, 0.01],
}

for opt, lrs in LRS.items():
    for lr in lrs:
        cmd = f"python3 main.py --optimizer {opt} --lr {lr} --epochs 30"
        subprocess.run(cmd, shell=True, check=False)
