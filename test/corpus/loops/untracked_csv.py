import csv

with open("results.csv", "w", newline="") as handle:
    writer = csv.writer(handle)
    writer.writerow(["lr", "weight_decay", "val_acc"])
    for lr in [3e-4, 1e-3]:
        for weight_decay in [0.0, 0.01, 0.05]:
            acc = train_and_eval(lr=lr, weight_decay=weight_decay)
            writer.writerow([lr, weight_decay, acc])
