package iam

//go:generate go run ../awsgen -service iam -pkg iam -out .
