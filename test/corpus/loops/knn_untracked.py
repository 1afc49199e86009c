from sklearn.neighbors import KNeighborsClassifier
import matplotlib.pyplot as plt

neighbors = range(1, 16, 2)
accuracies = []
for k in neighbors:
    knn = KNeighborsClassifier(n_neighbors=k)
    knn.fit(X_train, y_train)
    accuracies.append(knn.score(X_test, y_test))

plt.plot(list(neighbors), accuracies)
