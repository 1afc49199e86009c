import subprocess
from itertools import product

width_multipliers = [0.5, 0.75, 1.0]
learning_rates = [1e-3, 5e-4]

for width, lr in product(width_multipliers, learning_rates):
    print(f"training width={width} lr={lr}")
    command = [
        "python", "scripts/train.py",
        "--model", "mobilenet",
        "--width", str(width),
        "--lr", str(lr),
    ]
    result = subprocess.run(command)
    if result.returncode != 0:
        print("failed", width, lr)
