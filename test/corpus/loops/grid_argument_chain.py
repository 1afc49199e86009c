import wandb

DEPTHS = [2, 4]


def experiment(learning_rates, depths, project="depth-study"):
    for lr in learning_rates:
        for depth in depths:
            run = wandb.init(project=project, config={"lr": lr, "depth": depth}, reinit=True)
            fit(run.config)
            run.finish()


def fit(config):
    ...


def main():
    experiment(learning_rates=[0.01, 0.001], depths=DEPTHS)


if __name__ == "__main__":
    main()
