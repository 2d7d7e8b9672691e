from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]


setup(
    name='mmpose_mdn',
    version='0.1.0',
    description='Mixture density network offset regression for multi-person pose estimation, as an MMPose plugin',
    packages=find_packages(include=['mmpose_mdn', 'mmpose_mdn.*']),
    python_requires='>=3.8',
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require={'tests': read_requirements('requirements/tests.txt'),
                    'deploy': read_requirements('requirements/deploy.txt')},
    license='Apache-2.0',
)
