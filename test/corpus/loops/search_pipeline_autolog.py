import mlflow
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

mlflow.sklearn.autolog()

pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])
param_grid = [
    {"clf__C": [0.1, 1.0], "clf__penalty": ["l2"]},
    {"clf__C": [0.1, 1.0], "clf__penalty": ["l1"], "clf__solver": ["liblinear"]},
]
grid = GridSearchCV(pipe, param_grid, cv=3, n_jobs=-1)
grid.fit(X_train, y_train)
