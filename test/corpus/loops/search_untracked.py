from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from scipy.stats import loguniform

gbc = GradientBoostingClassifier()
search = GridSearchCV(gbc, {"n_estimators": [50, 100], "max_depth": [2, 3, 4]}, cv=4)
search.fit(X, y)
print(search.best_params_, search.best_score_)

random_search = RandomizedSearchCV(gbc, {"learning_rate": loguniform(1e-3, 1)}, n_iter=20)
random_search.fit(X, y)
