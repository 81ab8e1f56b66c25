from django.db import models


class Reporter(models.Model):
    name = models.CharField(max_length=50, unique=True)
    score = models.IntegerField(default=0)

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50)


class Article(models.Model):
    reporter = models.ForeignKey(Reporter, models.CASCADE, related_name="articles")
    title = models.CharField(max_length=50)
    tags = models.ManyToManyField(Tag, related_name="articles")


class Comment(models.Model):
    article = models.ForeignKey(Article, models.CASCADE, related_name="comments")
    text = models.CharField(max_length=50)


class Account(models.Model):
    owner = models.CharField(max_length=50)
    balance = models.IntegerField(default=0)
