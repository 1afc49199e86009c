"""Per-iteration records that are not a grid of parameters."""
history = []
for epoch in range(20):
    loss = train_one_epoch(model, loader, epoch)
    scheduler.step(epoch)
    history.append({"epoch": epoch, "loss": loss})

fold_scores = []
for fold, (train_idx, val_idx) in enumerate(kfold.split(X)):
    fold_scores.append(fit_fold(X[train_idx], X[val_idx]))

sizes = {}
for name in ["train", "val", "test"]:
    sizes[name] = len(load_split(name))

totals = []
for i in range(10):
    totals.append(i * i)
