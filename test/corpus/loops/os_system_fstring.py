import os
import numpy as np

alpha_values = np.linspace(0.2, 0.8, 4)
ratios = [0.1, 0.5, 0.9]

for alpha in alpha_values:
    for ratio in ratios:
        os.system(f"python elasticnet.py --alpha {alpha} --l1-ratio {ratio}")
