import mlflow

learning_rates = list(map(lambda k: 10 ** -k, range(2, 5)))
dropouts = [round(0.05 * k, 2) for k in range(1, 5)]

for lr in learning_rates:
    for p in dropouts:
        config = dict(zip(["lr", "dropout"], [lr, p]))
        with mlflow.start_run(run_name=f"lr{lr:.0e}-p{p}"):
            mlflow.log_params(config)
            mlflow.log_param("tag", f"{lr:.0e}/{p:.2f}")
