"""template.yaml as plain CloudFormation: the AWS::Serverless-2016-10-31 transform run
locally with aws-sam-translator (what `sam validate` runs, which cannot write its output),
for scanners that do not expand SAM resources themselves: checkov sees an
AWS::Serverless::Function, not the role, rules, permissions and invoke configuration SAM
generates from it. Offline: no AWS call is made.

    python sam_transform.py template.yaml transformed.json
"""
import json
import sys

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse


def transformed(path, region="us-east-1"):
    with open(path, encoding="utf-8") as file:
        template = yaml_parse(file.read())
    # As `sam validate` does: a local CodeUri (sam build's input) becomes a placeholder
    # S3 location, which is what the transform accepts.
    for function in [template.get("Globals", {}).get("Function", {}),
                     *(r.get("Properties", {}) for r in template["Resources"].values()
                       if r.get("Type") == "AWS::Serverless::Function")]:
        if isinstance(function.get("CodeUri"), str) and not function["CodeUri"].startswith("s3://"):
            function["CodeUri"] = "s3://placeholder/code.zip"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))

    def no_managed_policies():
        # The template names no managed policy (only SAM policy templates and inline
        # documents), so nothing is looked up in IAM.
        return {}

    # The resources' Metadata (checkov's skips among them) is kept on the functions.
    return translator.translate(template, parameter_values={}, passthrough_metadata=True,
                                get_managed_policy_map=no_managed_policies)


if __name__ == "__main__":
    source, target = sys.argv[1:3]
    with open(target, "w", encoding="utf-8") as out:
        json.dump(transformed(source), out, indent=1)
