import wandb

for optimizer in ["adam", "sgd", "rmsprop"]:
    for _ in range(5):
        run = wandb.init(project="optimizers", config={"optimizer": optimizer, "epochs": 10}, reinit=True)
        run.log({"loss": train(optimizer)})
        run.finish()
