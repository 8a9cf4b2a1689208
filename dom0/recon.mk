# bulkhead recon (issue: audit a machine's virtualization): targets added here
