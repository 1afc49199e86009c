import mlflow
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC

search = GridSearchCV(
    SVC(),
    param_grid={"C": [0.1, 1, 10], "kernel": ["linear", "rbf"]},
    cv=5,
    scoring="accuracy",
)
search.fit(X, y)

mlflow.set_experiment("svc-search")
results = search.cv_results_
for params, mean in zip(results["params"], results["mean_test_score"]):
    with mlflow.start_run():
        mlflow.log_params(params)
        mlflow.log_metric("cv_accuracy", mean)

with mlflow.start_run(run_name="best"):
    for key, value in search.best_params_.items():
        mlflow.log_param(key, value)
