package organizations

//go:generate go run ../awsgen -service organizations -pkg organizations -out .
