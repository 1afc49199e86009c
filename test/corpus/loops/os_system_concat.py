import os

# learning rates half a decade apart
lrs = [10 ** (-k / 2) for k in range(2, 7)]
for lr in lrs:
    for bs in (64, 128):
        cmd = "python main.py"
        cmd += f" --lr {lr}"
        cmd += " --batch_size " + str(bs)
        print(cmd)
        os.system(cmd)
