package ssr

//go:generate go run ../awsgen -service selfservicereporting -pkg ssr -botocore botocore -out .
