package backup

//go:generate go run ../awsgen -service backup -pkg backup -out .
